/*
 * libedit wrappers: one EditLine + History per cel_editor, a prompt stored
 * on the C side, TAB completion through a Swift callback, and Ctrl-C that
 * abandons the current line instead of killing the process.
 * Also: a counting SIGINT handler for running statements (it only touches a
 * volatile sig_atomic_t and may call write/_exit, all async-signal-safe),
 * and the terminal width.
 */
#define _GNU_SOURCE
#include "CEditLine.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>
#include <stdio.h>
#include <histedit.h>

struct cel_editor {
  EditLine *el;
  History *hist;
  HistEvent ev;
  char *prompt;
  cel_complete_fn complete;
  void *complete_ctx;
  int interrupted;
  int tty;
};

static cel_editor *editor_of(EditLine *el) {
  void *ptr = NULL;
  el_get(el, EL_CLIENTDATA, &ptr);
  return (cel_editor *)ptr;
}

static char *prompt_fn(EditLine *el) {
  cel_editor *e = editor_of(el);
  return (e && e->prompt) ? e->prompt : "";
}

/* TAB: ask Swift what to do, apply it, maybe list candidates below. */
static unsigned char complete_fn(EditLine *el, int ch) {
  (void)ch;
  cel_editor *e = editor_of(el);
  if (!e || !e->complete) return CC_ERROR;
  const LineInfo *li = el_line(el);
  size_t len = (size_t)(li->lastchar - li->buffer);
  char *line = strndup(li->buffer, len);
  if (!line) return CC_ERROR;
  int cursor = (int)(li->cursor - li->buffer);
  cel_completion r = e->complete(line, cursor, e->complete_ctx);
  free(line);

  unsigned char rv = CC_REFRESH;
  int changed = 0;
  if (r.delete_chars > 0) { el_deletestr(el, r.delete_chars); changed = 1; }
  if (r.insert && r.insert[0]) { el_insertstr(el, r.insert); changed = 1; }
  if (r.listing && r.listing[0]) {
    fputc('\n', stdout);
    fputs(r.listing, stdout);
    fflush(stdout);
    rv = CC_REDISPLAY;
  } else if (!changed) {
    rv = CC_REFRESH_BEEP;
  }
  free(r.insert);
  free(r.listing);
  return rv;
}

/*
 * Ctrl-C at the prompt (ISIG is off while editing, so ^C arrives as a key):
 * show "^C" at the end of the line, then accept it through the normal
 * newline path, flagged as interrupted so the caller discards it.
 */
static unsigned char interrupt_fn(EditLine *el, int ch) {
  (void)ch;
  cel_editor *e = editor_of(el);
  if (e) e->interrupted = 1;
  const LineInfoW *li = el_wline(el);
  el_cursor(el, (int)(li->lastchar - li->cursor));
  el_insertstr(el, "^C");
  el_push(el, "\n");
  return CC_REFRESH;
}

/* Ctrl-Z at the prompt: restore the terminal, stop, re-enter raw mode. */
static unsigned char suspend_fn(EditLine *el, int ch) {
  (void)ch;
  el_set(el, EL_PREP_TERM, 0);
  raise(SIGTSTP);
  el_set(el, EL_PREP_TERM, 1);
  return CC_REDISPLAY;
}

static void bind_keys(EditLine *el) {
  el_set(el, EL_ADDFN, "dl-complete", "Complete the word before the cursor", complete_fn);
  el_set(el, EL_BIND, "^I", "dl-complete", NULL);
  el_set(el, EL_ADDFN, "dl-interrupt", "Abandon the current line", interrupt_fn);
  el_set(el, EL_BIND, "^C", "dl-interrupt", NULL);
  el_set(el, EL_ADDFN, "dl-suspend", "Suspend the process", suspend_fn);
  el_set(el, EL_BIND, "^Z", "dl-suspend", NULL);
  el_set(el, EL_BIND, "^R", "em-inc-search-prev", NULL);
  /* Home/End as sent by xterm-like terminals in both cursor modes. */
  el_set(el, EL_BIND, "\033[H", "ed-move-to-beg", NULL);
  el_set(el, EL_BIND, "\033[F", "ed-move-to-end", NULL);
  el_set(el, EL_BIND, "\033OH", "ed-move-to-beg", NULL);
  el_set(el, EL_BIND, "\033OF", "ed-move-to-end", NULL);
  el_set(el, EL_BIND, "\033[1~", "ed-move-to-beg", NULL);
  el_set(el, EL_BIND, "\033[4~", "ed-move-to-end", NULL);
  el_set(el, EL_BIND, "\033[3~", "ed-delete-next-char", NULL);
  /* Ctrl-Left/Right: word motion. */
  el_set(el, EL_BIND, "\033[1;5D", "ed-prev-word", NULL);
  el_set(el, EL_BIND, "\033[1;5C", "em-next-word", NULL);
}

cel_editor *cel_create(const char *prog, int history_size) {
  cel_editor *e = calloc(1, sizeof *e);
  if (!e) return NULL;
  e->prompt = strdup("");
  e->hist = history_init();
  e->el = el_init(prog ? prog : "dl", stdin, stdout, stderr);
  if (!e->prompt || !e->hist || !e->el) { cel_destroy(e); return NULL; }
  e->tty = isatty(STDIN_FILENO);
  history(e->hist, &e->ev, H_SETSIZE, history_size > 0 ? history_size : 1);
  history(e->hist, &e->ev, H_SETUNIQUE, 1);

  el_set(e->el, EL_CLIENTDATA, (void *)e);
  el_set(e->el, EL_EDITOR, "emacs");
  el_set(e->el, EL_SIGNAL, 1);
  el_set(e->el, EL_PROMPT_ESC, prompt_fn, '\1');
  el_set(e->el, EL_HIST, history, e->hist);
  el_source(e->el, NULL); /* ~/.editrc, before our bindings so ^C/TAB stay ours */
  if (e->tty) el_set(e->el, EL_SETTY, "-d", "-isig", NULL);
  bind_keys(e->el);
  return e;
}

void cel_destroy(cel_editor *e) {
  if (!e) return;
  if (e->el) el_end(e->el);
  if (e->hist) history_end(e->hist);
  free(e->prompt);
  free(e);
}

int cel_is_tty(const cel_editor *e) { return e ? e->tty : 0; }

void cel_set_prompt(cel_editor *e, const char *prompt) {
  char *copy = strdup(prompt ? prompt : "");
  if (!copy) return;
  free(e->prompt);
  e->prompt = copy;
}

void cel_set_completer(cel_editor *e, cel_complete_fn fn, void *ctx) {
  e->complete = fn;
  e->complete_ctx = ctx;
}

const char *cel_gets(cel_editor *e, int *len, int *status) {
  int count = 0;
  e->interrupted = 0;
  errno = 0;
  /*
   * libedit prints the prompt before it switches the tty to raw mode (lazily,
   * in el_wgetc). Keys typed in between are handled by the cooked tty: echoed
   * twice, ^C raising SIGINT, ^D lost. Enter raw mode first to close the gap.
   */
  if (e->tty) el_set(e->el, EL_PREP_TERM, 1);
  const char *line = el_gets(e->el, &count);
  if (e->interrupted) { *status = CEL_INTERRUPTED; *len = 0; return NULL; }
  if (!line || count <= 0) {
    *status = (count < 0 && errno == EINTR) ? CEL_INTERRUPTED : CEL_EOF;
    *len = 0;
    /* libedit echoes "^D" without a newline; end the prompt line. */
    if (*status == CEL_EOF && e->tty) { fputc('\n', stdout); fflush(stdout); }
    return NULL;
  }
  int n = (int)strlen(line);
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
  *status = CEL_LINE;
  *len = n;
  return line;
}

/* ---- history ---- */

int cel_history_add(cel_editor *e, const char *line) {
  return history(e->hist, &e->ev, H_ENTER, line);
}

int cel_history_count(cel_editor *e) {
  if (history(e->hist, &e->ev, H_GETSIZE) < 0) return 0;
  return e->ev.num;
}

void cel_history_clear(cel_editor *e) { history(e->hist, &e->ev, H_CLEAR); }

int cel_history_load(cel_editor *e, const char *path) {
  return history(e->hist, &e->ev, H_LOAD, path);
}

int cel_history_save(cel_editor *e, const char *path) {
  return history(e->hist, &e->ev, H_SAVE, path);
}

/* H_LAST is the oldest entry; H_PREV walks towards newer ones. */
const char *cel_history_oldest(cel_editor *e) {
  if (history(e->hist, &e->ev, H_LAST) < 0) return NULL;
  return e->ev.str;
}

const char *cel_history_newer(cel_editor *e) {
  if (history(e->hist, &e->ev, H_PREV) < 0) return NULL;
  return e->ev.str;
}

/* ==== SIGINT while a statement runs, and terminal size ==== */
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

int cel_tty_noflsh(int fd, int on) {
  struct termios t;
  if (!isatty(fd) || tcgetattr(fd, &t) != 0) return -1;
  int was = (t.c_lflag & NOFLSH) != 0;
  if (was == (on != 0)) return was;
  if (on) t.c_lflag |= NOFLSH; else t.c_lflag &= ~(tcflag_t)NOFLSH;
  if (tcsetattr(fd, TCSANOW, &t) != 0) return -1;
  return was;
}
