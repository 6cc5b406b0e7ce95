/* The host TSC rate in kHz: rdtsc against CLOCK_MONOTONIC_RAW over 200 ms.
 * The guest is told it with tsc_early_khz= (DESIGN.md: under TCG the guest
 * TSC runs at the host's rate). Built static, so it runs on any x86-64 host.
 */
#include <stdio.h>
#include <stdint.h>
#include <time.h>
#include <x86intrin.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	struct timespec d = { 0, 200000000 };
	double t0 = now();
	uint64_t c0 = __rdtsc();
	double t1;
	uint64_t c1;

	nanosleep(&d, NULL);
	c1 = __rdtsc();
	t1 = now();
	printf("%.0f\n", (c1 - c0) / (t1 - t0) / 1000.0);
	return 0;
}
