// vigil_spawn: starts a process with vfork (the daemon's memory is shared, not copied, until exec), and
// reaps it.
//
// Node's child_process forks the whole daemon: the kernel copies its page tables (3 ms at 120 MiB), the
// child tears that copy down again at exec, and the daemon waits for both. vfork shares the daemon's
// memory until exec: about 0.1 ms whatever the daemon's size (posix_spawn does the same, but leaves two
// glibc-internal signals ignored in the child, and a service would inherit that).
//
// spawn(file, argv[], envp[], cwd, stdoutFd, stderrFd[, nofileSoft, nofileHard, cgroupProcs[]])
//     -> { pid, startTicks }   (throws Error with .code = errno name)
//   The child: its own session (setsid), stdin /dev/null, stdout/stderr dup'ed from the given fds (-1:
//   /dev/null), every signal at its default action and none blocked, cwd set. With the optional
//   arguments it also does the exec wrapper's work itself (no /bin/sh in between): joins each
//   cgroup.procs (writing "0": itself) and sets RLIMIT_NOFILE (-1: left alone); if either fails it writes
//   "vigil: cannot ..." to its stderr and exits 126, as the wrapper does. A file without a #! line
//   (ENOEXEC) is run by /bin/sh, as execvp and sh do.
//   startTicks: the child's start time in clock ticks since boot (field 22 of /proc/PID/stat), known
//   without reading /proc when the vfork began and ended within one tick; else null.
// reap(pid) -> null while running | { code, signal }   (waitpid(pid, WNOHANG); only ever this pid)
// pipeSize(fd, bytes) -> capacity   (fcntl F_SETPIPE_SZ, or F_GETPIPE_SZ when bytes is 0)
// mkfifo(path)                        (mode 0600)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <node_api.h>

#define CHECK(call)                                                                                      \
  do {                                                                                                   \
    if ((call) != napi_ok) return NULL;                                                                  \
  } while (0)

// The errno names Node uses as error codes, for the errors posix_spawn and waitpid can return.
static const char *errno_name(int err) {
  switch (err) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case ENOEXEC: return "ENOEXEC";
    case ENOTDIR: return "ENOTDIR";
    case ENOMEM: return "ENOMEM";
    case EAGAIN: return "EAGAIN";
    case E2BIG: return "E2BIG";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case ECHILD: return "ECHILD";
    case EPERM: return "EPERM";
    default: return "EUNKNOWN";
  }
}

static napi_value throw_errno(napi_env env, int err, const char *what) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, errno_name(err), msg);
  return NULL;
}

// A JS string as a malloc'ed C string (caller frees); NULL on failure (an exception is pending).
static char *string_arg(napi_env env, napi_value v) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a string");
    return NULL;
  }
  char *s = malloc(len + 1);
  if (!s) return NULL;
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

// A JS array of strings as a NULL-terminated char*[] (caller frees with free_strings).
static char **strings_arg(napi_env env, napi_value arr, uint32_t *count) {
  uint32_t n = 0;
  if (napi_get_array_length(env, arr, &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected an array of strings");
    return NULL;
  }
  char **out = calloc(n + 1, sizeof(char *));
  if (!out) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value el;
    if (napi_get_element(env, arr, i, &el) != napi_ok || !(out[i] = string_arg(env, el))) {
      for (uint32_t j = 0; j < i; j++) free(out[j]);
      free(out);
      return NULL;
    }
  }
  *count = n;
  return out;
}

static void free_strings(char **s, uint32_t n) {
  if (!s) return;
  for (uint32_t i = 0; i < n; i++) free(s[i]);
  free(s);
}

// The start time /proc shows for a process forked at boot-clock time `ns` (nsec_to_clock_t: truncated).
static long long ticks_at(const struct timespec *t, long hz) {
  return ((long long)t->tv_sec * 1000000000LL + t->tv_nsec) / (1000000000LL / hz);
}

static napi_value js_spawn(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value args[9];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc < 6) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, envp, cwd, stdoutFd, stderrFd[, soft, hard, cgroupProcs])");
    return NULL;
  }
  int32_t out_fd = -1, err_fd = -1;
  int64_t soft = -1, hard = -1;
  CHECK(napi_get_value_int32(env, args[4], &out_fd));
  CHECK(napi_get_value_int32(env, args[5], &err_fd));
  if (argc >= 8) {
    CHECK(napi_get_value_int64(env, args[6], &soft));
    CHECK(napi_get_value_int64(env, args[7], &hard));
  }
  uint32_t argn = 0, envn = 0, cgn = 0;
  char **cgroups = NULL, **cg_msgs = NULL, **sh_argv = NULL;
  char nofile_msg[160] = "";
  char *file = string_arg(env, args[0]);
  char **argv = file ? strings_arg(env, args[1], &argn) : NULL;
  char **envp = argv ? strings_arg(env, args[2], &envn) : NULL;
  char *cwd = envp ? string_arg(env, args[3]) : NULL;
  napi_value result = NULL;
  if (!cwd) goto done;
  if (argc >= 9 && !(cgroups = strings_arg(env, args[8], &cgn))) goto done;
  // Everything the child may need is made here: it shares this memory and must not allocate.
  cg_msgs = calloc(cgn + 1, sizeof(char *));
  sh_argv = calloc(argn + 2, sizeof(char *));
  if (!cg_msgs || !sh_argv) {
    throw_errno(env, ENOMEM, "spawn");
    goto done;
  }
  for (uint32_t i = 0; i < cgn; i++) {
    size_t n = strlen(cgroups[i]) + 64;
    if (!(cg_msgs[i] = malloc(n))) {
      throw_errno(env, ENOMEM, "spawn");
      goto done;
    }
    snprintf(cg_msgs[i], n, "vigil: cannot join cgroup %s\n", cgroups[i]);
  }
  if (soft >= 0 || hard >= 0)
    snprintf(nofile_msg, sizeof nofile_msg, "vigil: cannot set the nofile limit to %lld (hard %lld)\n",
             (long long)soft, (long long)hard);
  sh_argv[0] = "/bin/sh";
  sh_argv[1] = file;
  for (uint32_t i = 1; i < argn; i++) sh_argv[i + 1] = argv[i];
  struct rlimit64_k {
    unsigned long long cur, max;
  } rl = {(unsigned long long)soft, (unsigned long long)hard};
  long hz = sysconf(_SC_CLK_TCK);
  struct timespec before, after;

  // The child shares the daemon's memory until exec (vfork): it may only make raw system calls, and no
  // signal handler of the daemon may run in it, so every signal is blocked around the vfork and the child
  // resets every disposition (the glibc-internal ones too, which posix_spawn leaves ignored) before
  // unblocking them in exec.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  volatile int child_errno = 0;
  clock_gettime(CLOCK_BOOTTIME, &before);
  pid_t pid = vfork();
  if (pid == 0) {
    struct k_sigaction {
      void *handler;
      unsigned long flags;
      void *restorer;
      unsigned long mask;
    } dfl = {SIG_DFL, 0, NULL, 0};
    for (int sig = 1; sig < 65; sig++)
      if (sig != SIGKILL && sig != SIGSTOP) syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
    int rc = 0;
    if (syscall(SYS_setsid) < 0) rc = errno;
    int null = rc ? -1 : (int)syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR);
    if (!rc && null < 0) rc = errno;
    int out = out_fd >= 0 ? out_fd : null, err = err_fd >= 0 ? err_fd : null;
    // Move the sources above 2 first, so dup'ing one onto 1 or 2 cannot clobber the other.
    if (!rc && out <= 2 && (out = (int)syscall(SYS_fcntl, out, F_DUPFD, 3)) < 0) rc = errno;
    if (!rc && err <= 2 && (err = (int)syscall(SYS_fcntl, err, F_DUPFD, 3)) < 0) rc = errno;
    if (!rc && syscall(SYS_dup3, null, 0, 0) < 0 && null != 0) rc = errno;
    if (!rc && syscall(SYS_dup2, out, 1) < 0) rc = errno;
    if (!rc && syscall(SYS_dup2, err, 2) < 0) rc = errno;
    if (!rc && syscall(SYS_chdir, cwd) < 0) rc = errno;
    // The wrapper's work: as a failure of the service's run (exit 126, reason on its stderr), not of the spawn.
    for (uint32_t i = 0; !rc && i < cgn; i++) {
      int fd = (int)syscall(SYS_openat, AT_FDCWD, cgroups[i], O_WRONLY | O_CLOEXEC);
      long w = fd < 0 ? -1 : syscall(SYS_write, fd, "0", 1);
      if (fd >= 0) syscall(SYS_close, fd);
      if (w != 1) {
        syscall(SYS_write, 2, cg_msgs[i], strlen(cg_msgs[i]));
        syscall(SYS_exit_group, 126);
      }
    }
    if (!rc && soft >= 0 && hard >= 0 && syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &rl, NULL) < 0) {
      syscall(SYS_write, 2, nofile_msg, strlen(nofile_msg));
      syscall(SYS_exit_group, 126);
    }
    if (!rc) {
      unsigned long none = 0;
      syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof none);
      syscall(SYS_execve, file, argv, envp);
      rc = errno;
      if (rc == ENOEXEC) {
        syscall(SYS_execve, "/bin/sh", sh_argv, envp);
        rc = errno;
      }
    }
    child_errno = rc;
    syscall(SYS_exit_group, 127);
  }
  int spawn_errno = pid < 0 ? errno : child_errno;
  clock_gettime(CLOCK_BOOTTIME, &after);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (pid > 0 && spawn_errno) {
    // It never ran: collect it here, so it is neither a zombie nor an exit the caller must handle.
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
  }
  if (spawn_errno) {
    throw_errno(env, spawn_errno, file);
    goto done;
  }
  napi_value v;
  if (napi_create_object(env, &result) != napi_ok) {
    result = NULL;
    goto done;
  }
  napi_create_int32(env, pid, &v);
  napi_set_named_property(env, result, "pid", v);
  long long t0 = hz > 0 ? ticks_at(&before, hz) : -1, t1 = hz > 0 ? ticks_at(&after, hz) : -2;
  if (t0 == t1) napi_create_int64(env, t0, &v);
  else napi_get_null(env, &v);
  napi_set_named_property(env, result, "startTicks", v);

done:
  free(file);
  free_strings(argv, argn);
  free_strings(envp, envn);
  free_strings(cgroups, cgn);
  free_strings(cg_msgs, cgn);
  free(sh_argv);
  free(cwd);
  return result;
}

static napi_value js_reap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  CHECK(napi_get_cb_info(env, info, &argc, &arg, NULL, NULL));
  int32_t pid = 0;
  CHECK(napi_get_value_int32(env, arg, &pid));
  int status = 0;
  pid_t r;
  do r = waitpid(pid, &status, WNOHANG);
  while (r < 0 && errno == EINTR);
  napi_value out;
  if (r == 0) {
    napi_get_null(env, &out);
    return out;
  }
  if (r < 0) return throw_errno(env, errno, "waitpid");
  napi_value code, sig;
  CHECK(napi_create_object(env, &out));
  if (WIFEXITED(status)) {
    napi_create_int32(env, WEXITSTATUS(status), &code);
    napi_get_null(env, &sig);
  } else {
    napi_get_null(env, &code);
    napi_create_int32(env, WIFSIGNALED(status) ? WTERMSIG(status) : 0, &sig);
  }
  napi_set_named_property(env, out, "code", code);
  napi_set_named_property(env, out, "signal", sig);
  return out;
}

// pipeSize(fd, bytes) -> the pipe's capacity after asking for `bytes` (F_SETPIPE_SZ; 0: only read it).
// Node cannot call fcntl; a log FIFO that a busy service fills benefits from more than the default 64 KiB.
static napi_value js_pipe_size(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  int32_t fd = -1, bytes = 0;
  CHECK(napi_get_value_int32(env, args[0], &fd));
  if (argc > 1) CHECK(napi_get_value_int32(env, args[1], &bytes));
  int r = bytes > 0 ? fcntl(fd, F_SETPIPE_SZ, bytes) : fcntl(fd, F_GETPIPE_SZ);
  if (r < 0) return throw_errno(env, errno, "fcntl(F_SETPIPE_SZ)");
  napi_value out;
  CHECK(napi_create_int32(env, r, &out));
  return out;
}

// mkfifo(path) -> undefined: a FIFO with mode 0600 (Node has no mkfifo; the fallback runs mkfifo(1)).
static napi_value js_mkfifo(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  CHECK(napi_get_cb_info(env, info, &argc, &arg, NULL, NULL));
  char *path = string_arg(env, arg);
  if (!path) return NULL;
  int rc = mkfifo(path, 0600) < 0 ? errno : 0;
  if (!rc && chmod(path, 0600) < 0) rc = errno; // not widened by a umask, not narrowed either
  napi_value out = NULL;
  if (rc) throw_errno(env, rc, path);
  else napi_get_undefined(env, &out);
  free(path);
  return out;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value fn;
  if (napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, js_spawn, NULL, &fn) != napi_ok) return NULL;
  napi_set_named_property(env, exports, "spawn", fn);
  if (napi_create_function(env, "reap", NAPI_AUTO_LENGTH, js_reap, NULL, &fn) != napi_ok) return NULL;
  napi_set_named_property(env, exports, "reap", fn);
  if (napi_create_function(env, "pipeSize", NAPI_AUTO_LENGTH, js_pipe_size, NULL, &fn) != napi_ok) return NULL;
  napi_set_named_property(env, exports, "pipeSize", fn);
  if (napi_create_function(env, "mkfifo", NAPI_AUTO_LENGTH, js_mkfifo, NULL, &fn) != napi_ok) return NULL;
  napi_set_named_property(env, exports, "mkfifo", fn);
  return exports;
}
