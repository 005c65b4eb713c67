/*
 * double-free-thread: a block freed by one thread (into that thread's
 * cache, the thread still running) and then again by another.
 * expect: custom_free(): double free of 0x
 */
#include <calloc-lite.h>
#include <pthread.h>

static pthread_barrier_t freed, done;

static void *first_free(void *p)
{
	custom_free(p);
	pthread_barrier_wait(&freed);
	pthread_barrier_wait(&done);   /* stay alive: the block stays cached */
	return NULL;
}

int main(void)
{
	pthread_t t;
	char *p = custom_malloc(100);
	pthread_barrier_init(&freed, NULL, 2);
	pthread_barrier_init(&done, NULL, 2);
	pthread_create(&t, NULL, first_free, p);
	pthread_barrier_wait(&freed);
	custom_free(p);
	pthread_barrier_wait(&done);
	pthread_join(t, NULL);
	return 0;
}
