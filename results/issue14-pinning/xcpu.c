#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>
static uint64_t now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1000000000ull+t.tv_nsec;}
static void pin(int c){cpu_set_t s;CPU_ZERO(&s);CPU_SET(c,&s);sched_setaffinity(0,sizeof(s),&s);}
int main(int argc,char**argv){
  size_t n=(argc>1?atol(argv[1]):8)<<20; n/=8;
  uint64_t *b=malloc(n*8); volatile uint64_t sink=0;
  for(int rep=0;rep<3;rep++) for(int rd=0;rd<2;rd++){
    pin(0); for(size_t i=0;i<n;i++) b[i]=i*rep+rd;   /* write on CPU 0 */
    pin(rd); uint64_t t=now(), s=0, x=1;
    for(size_t i=0;i<n;i++){ x=x*6364136223846793005ULL+1; s+=b[(x>>11)%n]; }
    sink+=s; printf("write cpu0, read cpu%d: %.2f ms\n", rd, (now()-t)/1e6);
  }
  return 0;
}
