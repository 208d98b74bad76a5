#include <cblas.h>
#include "small_sgemm.h"
