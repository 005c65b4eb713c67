/*
 * double-free-remote: a block of another thread's arena freed twice by
 * this thread.  The first free hands it to its arena's remote list
 * (without that arena's lock); the second must see it is already freed.
 * expect: custom_free(): double free of 0x
 * not under preload: the drop-in library reads CALLOC_LITE_ARENAS before main
 */
#include <calloc-lite.h>
#include <pthread.h>
#include <stdlib.h>

static pthread_barrier_t made, done;
static char *block;

static void *owner(void *arg)
{
	(void)arg;
	block = custom_malloc(40000);   /* a pool block: no cache takes it */
	pthread_barrier_wait(&made);
	pthread_barrier_wait(&done);    /* stay alive, busy elsewhere */
	return NULL;
}

int main(void)
{
	pthread_t t;
	setenv("CALLOC_LITE_ARENAS", "4", 1);
	custom_free(custom_malloc(1));  /* this thread's arena first */
	pthread_barrier_init(&made, NULL, 2);
	pthread_barrier_init(&done, NULL, 2);
	pthread_create(&t, NULL, owner, NULL);
	pthread_barrier_wait(&made);
	custom_free(block);
	custom_free(block);
	pthread_barrier_wait(&done);
	pthread_join(t, NULL);
	return 0;
}
