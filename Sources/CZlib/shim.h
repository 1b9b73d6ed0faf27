#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H
// zlib for recording chunks (compressed before encryption).
#include <zlib.h>
#endif
