#ifndef CEDITLINE_H
#define CEDITLINE_H
/*
 * Non-variadic wrappers around libedit (el_set/el_get/history are variadic
 * and cannot be called from Swift), plus async-signal-safe SIGINT handling
 * and small terminal helpers. Used by Notebook/Terminal.
 */
#include <stddef.h>

/** Opaque line editor: an EditLine plus its History. */
typedef struct cel_editor cel_editor;

/**
 * What a TAB press does, decided by the Swift side. Strings are malloc'd
 * by the callback and freed by C.
 */
typedef struct cel_completion {
  int delete_chars;  /* characters (code points) to delete before the cursor */
  char *insert;      /* text inserted at the cursor; may be NULL */
  char *listing;     /* candidate table printed below the line; may be NULL */
} cel_completion;

/** Completion callback: `line` is the whole line, `cursor` a UTF-8 byte offset. */
typedef cel_completion (*cel_complete_fn)(const char *line, int cursor, void *ctx);

/** Result of cel_gets. */
enum { CEL_LINE = 0, CEL_EOF = 1, CEL_INTERRUPTED = 2 };

/* ---- editor lifecycle (stdin/stdout/stderr) ---- */
cel_editor *cel_create(const char *prog, int history_size);
void cel_destroy(cel_editor *e);
int cel_is_tty(const cel_editor *e);

/* ---- prompt and completion ---- */
/** Copies `prompt`. Text between two '\1' bytes is treated as zero-width. */
void cel_set_prompt(cel_editor *e, const char *prompt);
void cel_set_completer(cel_editor *e, cel_complete_fn fn, void *ctx);

/**
 * Reads one line. Returns the line (not NUL-terminated at `*len`; the
 * trailing newline is excluded from `*len`), or NULL with `*status` set to
 * CEL_EOF / CEL_INTERRUPTED. Valid until the next call.
 */
const char *cel_gets(cel_editor *e, int *len, int *status);

/* ---- history ---- */
int cel_history_add(cel_editor *e, const char *line);
int cel_history_count(cel_editor *e);
void cel_history_clear(cel_editor *e);
int cel_history_load(cel_editor *e, const char *path);
int cel_history_save(cel_editor *e, const char *path);
/** Iteration oldest to newest: first, then next until NULL. */
const char *cel_history_oldest(cel_editor *e);
const char *cel_history_newer(cel_editor *e);

/* ---- SIGINT while a statement runs ---- */
/**
 * Installs a counting SIGINT handler (SA_RESTART) and remembers the previous
 * action. If `exit_after` > 0, that many presses terminate the process with
 * status 130 (escape hatch for a statement that never checks the flag).
 * Unblocks SIGINT in the calling thread if it was blocked.
 * Returns 0 on success; a second install without restore is a no-op.
 */
int cel_sigint_install(int exit_after);
/** Restores the action (and the thread's mask) saved by cel_sigint_install;
 *  call from the thread that installed. */
void cel_sigint_restore(void);
/** Number of SIGINTs seen since install/reset. */
int cel_sigint_count(void);
void cel_sigint_reset(void);

/* ---- terminal ---- */
/** Columns of the terminal on `fd`, or 0 if unknown. */
int cel_terminal_width(int fd);

/*
 * Sets or clears NOFLSH on the terminal `fd` (when it is one). With NOFLSH, a Ctrl-C that
 * raises SIGINT does not discard output still queued for the terminal (the last progress
 * lines of a fit). Returns the previous state (0 or 1), or -1 if `fd` is not a terminal.
 */
int cel_tty_noflsh(int fd, int on);

#endif
