#include "CEditLine.h"
int cel_version(void) { return 1; }
