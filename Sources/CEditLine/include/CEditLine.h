#ifndef CEDITLINE_H
#define CEDITLINE_H
/* Placeholder header; the line-editing wrappers land with the REPL work. */
int cel_version(void);
#endif
