#ifndef CNCURSESW_SHIM_H
#define CNCURSESW_SHIM_H
// Wide-character and extended-colour ncurses; Swift cannot import function-like
// macros, so the few we need are re-exported as inline functions.
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <ncursesw/curses.h>

static inline int cb_getmaxy(WINDOW *w) { return getmaxy(w); }
static inline int cb_getmaxx(WINDOW *w) { return getmaxx(w); }
static inline WINDOW *cb_stdscr(void) { return stdscr; }
static inline int cb_colors(void) { return COLORS; }
static inline int cb_color_pairs(void) { return COLOR_PAIRS; }
static inline int cb_set_locale(void) { return setlocale(LC_ALL, "") != 0; }
#endif
