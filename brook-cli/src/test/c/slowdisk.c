/*
 * slowdisk.so: a slow disk for one process, by LD_PRELOAD. Every write, pwrite, writev, fsync and
 * fdatasync on a regular file whose path contains $SLOWDISK_MATCH sleeps first for the number of
 * milliseconds written in the file $SLOWDISK_CONTROL (re-read at most every 200 ms of monotonic time;
 * 0 or a missing file: no delay). Sockets, pipes and other files are never delayed. Used by the
 * partition fault test (dev.brook.cli.fault) to slow one broker's log directory without touching
 * broker code. Build: cc -O2 -shared -fPIC -o slowdisk.so slowdisk.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static volatile long delay_ms = 0;
static volatile long long checked_at_ns = 0;

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long current_delay(void) {
  long long now = now_ns();
  if (now - checked_at_ns > 200000000LL) {
    checked_at_ns = now;
    const char *control = getenv("SLOWDISK_CONTROL");
    long d = 0;
    if (control) {
      FILE *f = fopen(control, "r");
      if (f) {
        if (fscanf(f, "%ld", &d) != 1) d = 0;
        fclose(f);
      }
    }
    delay_ms = d;
  }
  return delay_ms;
}

static void maybe_delay(int fd) {
  int saved = errno;
  long d = current_delay();
  if (d > 0) {
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      const char *match = getenv("SLOWDISK_MATCH");
      char link[64], path[4096];
      snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
      ssize_t n = readlink(link, path, sizeof path - 1);
      if (n > 0) {
        path[n] = 0;
        if (!match || strstr(path, match)) {
          struct timespec ts = {d / 1000, (d % 1000) * 1000000L};
          nanosleep(&ts, NULL);
        }
      }
    }
  }
  errno = saved;
}

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
typedef int (*sync_fn)(int);
#define REAL(name, type) static type real_##name; if (!real_##name) real_##name = (type)dlsym(RTLD_NEXT, #name)

ssize_t write(int fd, const void *buf, size_t n) {
  REAL(write, write_fn);
  maybe_delay(fd);
  return real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
  REAL(pwrite, pwrite_fn);
  maybe_delay(fd);
  return real_pwrite(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) {
  REAL(pwrite64, pwrite_fn);
  maybe_delay(fd);
  return real_pwrite64(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt) {
  REAL(writev, writev_fn);
  maybe_delay(fd);
  return real_writev(fd, iov, cnt);
}

int fsync(int fd) {
  REAL(fsync, sync_fn);
  maybe_delay(fd);
  return real_fsync(fd);
}

int fdatasync(int fd) {
  REAL(fdatasync, sync_fn);
  maybe_delay(fd);
  return real_fdatasync(fd);
}
