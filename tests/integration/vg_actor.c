// SPDX-License-Identifier: GPL-2.0-only
/*
 * vg_actor.c - a process the integration tests exec with known arguments.
 *
 *   vg_actor exit CODE        exit with CODE
 *   vg_actor sleep MS         sleep, then exit 0
 *   vg_actor threads N CODE   start N threads, then exit_group(CODE)
 *   vg_actor args ...         exit 0 (the test checks the captured argv)
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "threads") == 0) {
		int n = atoi(argv[2]);

		for (int i = 0; i < n; i++) {
			pthread_t t;

			pthread_create(&t, NULL, idle_thread, NULL);
		}
		exit(atoi(argv[3]));
	}
	if (argc >= 3 && strcmp(argv[1], "exit") == 0)
		return atoi(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "sleep") == 0) {
		long ms = atol(argv[2]);
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
		return 0;
	}
	return 0;
}
