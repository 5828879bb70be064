#define _GNU_SOURCE
#include <sys/prctl.h>
#include <malloc.h>
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>
#include "CSluiceSystem.h"

int sluice_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int sluice_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

int sluice_syncfs(int fd) {
    return syncfs(fd);
}

int sluice_release_free_memory(void) {
    return malloc_trim(0);
}

int sluice_set_parent_death_signal(int sig) {
    return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0);
}
