## man/local.mk: man pages (included by Makefile.am)
