#define _GNU_SOURCE
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

int sluice_start_writeback(int fd, long long offset, long long count) {
    return sync_file_range(fd, offset, count, SYNC_FILE_RANGE_WRITE);
}
