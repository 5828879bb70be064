#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
extern char **environ;
int main(){ struct timespec a,b; clock_gettime(CLOCK_MONOTONIC,&a);
 for(int i=0;i<100;i++){ pid_t p; char *argv[]={"/bin/bash","-c","true",0}; posix_spawn(&p,"/bin/bash",0,0,argv,environ); int st; waitpid(p,&st,0);} 
 clock_gettime(CLOCK_MONOTONIC,&b); printf("100 x bash -c true: %.3f s\n",(b.tv_sec-a.tv_sec)+(b.tv_nsec-a.tv_nsec)/1e9);
 clock_gettime(CLOCK_MONOTONIC,&a);
 for(int i=0;i<100;i++){ pid_t p; char *argv[]={"/bin/true",0}; posix_spawn(&p,"/bin/true",0,0,argv,environ); int st; waitpid(p,&st,0);} 
 clock_gettime(CLOCK_MONOTONIC,&b); printf("100 x /bin/true: %.3f s\n",(b.tv_sec-a.tv_sec)+(b.tv_nsec-a.tv_nsec)/1e9);}
