#ifndef CSLUICE_SYSTEM_H
#define CSLUICE_SYSTEM_H
#include <spawn.h>

/// pipe2(O_CLOEXEC): both ends close on exec, so only the dup2'ed copies reach a child.
int sluice_pipe_cloexec(int fds[2]);

/// posix_spawn_file_actions_addchdir_np, which glibc only declares under _GNU_SOURCE.
int sluice_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// syncfs(2): flush every file of the file system holding fd (declared only under _GNU_SOURCE).
int sluice_syncfs(int fd);

/// sync_file_range(SYNC_FILE_RANGE_WRITE): start writing a file's dirty pages in a byte range to
/// disk without waiting (Linux), so a later fsync has little left to wait for.
int sluice_start_writeback(int fd, long long offset, long long count);

/// malloc_trim(0): return freed heap memory to the system (after a large, short-lived working set).
int sluice_release_free_memory(void);

#endif
