/*
 * SIGINT handling while a statement runs, and terminal size.
 * The handler only touches a volatile sig_atomic_t and may call write/_exit,
 * all async-signal-safe.
 */
#define _GNU_SOURCE
#include "CEditLine.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static volatile sig_atomic_t sigint_count = 0;
static volatile sig_atomic_t sigint_exit_after = 0;
static struct sigaction saved_action;
static int installed = 0;
static int was_blocked = 0;

/* SIGINT may be blocked in this thread (inherited mask, test harnesses). */
static void unblock_sigint(void) {
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  was_blocked = pthread_sigmask(SIG_UNBLOCK, &set, &old) == 0 && sigismember(&old, SIGINT) == 1;
}

static void reblock_sigint(void) {
  if (!was_blocked) return;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  was_blocked = 0;
}

static void on_sigint(int signo) {
  (void)signo;
  if (sigint_count < 1000) sigint_count = sigint_count + 1;
  if (sigint_exit_after > 0 && sigint_count >= sigint_exit_after) {
    static const char msg[] = "\n[interrupted: exiting]\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    _exit(130);
  }
}

int cel_sigint_install(int exit_after) {
  if (installed) return 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigint_count = 0;
  sigint_exit_after = exit_after > 0 ? exit_after : 0;
  if (sigaction(SIGINT, &sa, &saved_action) != 0) return -1;
  unblock_sigint();
  installed = 1;
  return 0;
}

void cel_sigint_restore(void) {
  if (!installed) return;
  reblock_sigint();
  sigaction(SIGINT, &saved_action, NULL);
  installed = 0;
}

int cel_sigint_count(void) { return (int)sigint_count; }

void cel_sigint_reset(void) { sigint_count = 0; }

int cel_terminal_width(int fd) {
  struct winsize ws;
  memset(&ws, 0, sizeof ws);
  if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return 0;
  return (int)ws.ws_col;
}
