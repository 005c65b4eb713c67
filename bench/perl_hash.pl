#!/usr/bin/perl
# perl_hash.pl: a hash-heavy Perl workload for bench/run.
#
# Builds, updates, sorts and shrinks hashes of strings and arrays.  Checks
# its own results: prints "check=ok" and exits 0, or dies with a message.
#
# usage: perl bench/perl_hash.pl [scale (default 1.0)]
#
# Copyright (C) 2026 The libcalloc-lite authors.
# SPDX-License-Identifier: MIT

use strict;
use warnings;

my $scale = @ARGV ? $ARGV[0] : 1.0;
my $n = int(50000 * $scale);

sub fail { print STDERR "FAIL: perl_hash: @_\n"; exit 1; }

# 1. a hash of small records, keyed by generated strings
my %h;
my $x = 12345;
for my $i (0 .. $n - 1) {
	$x = ($x * 1103515245 + 12345) % 2147483648;
	my $k = sprintf("k%07d-%04x", $i, $x & 0xffff);
	$h{$k} = { id => $i, name => "n$i", list => [ $i, $i * 2, "s$i" ] };
}
fail("size " . scalar(keys %h)) unless keys %h == $n;

# 2. update half of them, delete a third
my $sum = 0;
for my $k (keys %h) {
	my $r = $h{$k};
	if ($r->{id} % 3 == 0) {
		delete $h{$k};
		next;
	}
	push @{ $r->{list} }, uc $r->{name};
	$sum += $r->{id};
}
my $expect = 0;
$expect += $_ for grep { $_ % 3 } 0 .. $n - 1;
fail("sum $sum != $expect") unless $sum == $expect;

# 3. sort, group by prefix, join and split strings
my %groups;
for my $k (sort keys %h) {
	my $g = substr($k, 0, 4);
	push @{ $groups{$g} }, $k;
}
my $count = 0;
for my $g (keys %groups) {
	my $s = join(",", @{ $groups{$g} });
	my @back = split /,/, $s;
	fail("split mismatch in $g") unless @back == @{ $groups{$g} };
	$count += @back;
}
fail("grouped $count") unless $count == keys %h;

# 4. word counting over generated text
my %wc;
for my $i (0 .. $n - 1) {
	my $line = join(" ", map { "w" . (($i * 7 + $_) % 1000) } 0 .. 7);
	$wc{$_}++ for split / /, $line;
}
my $words = 0;
$words += $_ for values %wc;
fail("words $words") unless $words == 8 * $n;

%h = ();
%groups = ();
print "records=$count words=$words check=ok\n";
