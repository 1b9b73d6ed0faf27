#ifndef CNCURSESW_SHIM_H
#define CNCURSESW_SHIM_H
// Wide-character and extended-colour ncurses; Swift cannot import function-like
// macros, so the few we need are re-exported as inline functions.
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#define NCURSES_WIDECHAR 1
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <unistd.h>
#include <wchar.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

static inline int cb_getmaxy(WINDOW *w) { return getmaxy(w); }
static inline int cb_getmaxx(WINDOW *w) { return getmaxx(w); }
static inline WINDOW *cb_stdscr(void) { return stdscr; }
static inline int cb_colors(void) { return COLORS; }
static inline int cb_color_pairs(void) { return COLOR_PAIRS; }
static inline int cb_set_locale(void) { return setlocale(LC_ALL, "") != 0; }

// Attribute bits (NCURSES_BITS macros).
static inline unsigned int cb_a_normal(void) { return A_NORMAL; }
static inline unsigned int cb_a_bold(void) { return A_BOLD; }
static inline unsigned int cb_a_dim(void) { return A_DIM; }
static inline unsigned int cb_a_underline(void) { return A_UNDERLINE; }
static inline unsigned int cb_a_reverse(void) { return A_REVERSE; }
static inline unsigned int cb_a_italic(void) { return A_ITALIC; }

// Key codes.
static inline int cb_key_code_yes(void) { return KEY_CODE_YES; }
static inline int cb_key_resize(void) { return KEY_RESIZE; }
static inline int cb_key_up(void) { return KEY_UP; }
static inline int cb_key_down(void) { return KEY_DOWN; }
static inline int cb_key_left(void) { return KEY_LEFT; }
static inline int cb_key_right(void) { return KEY_RIGHT; }
static inline int cb_key_enter(void) { return KEY_ENTER; }
static inline int cb_key_backspace(void) { return KEY_BACKSPACE; }
static inline int cb_key_ppage(void) { return KEY_PPAGE; }
static inline int cb_key_npage(void) { return KEY_NPAGE; }
static inline int cb_key_home(void) { return KEY_HOME; }
static inline int cb_key_end(void) { return KEY_END; }
static inline int cb_key_mouse(void) { return KEY_MOUSE; }

/// Does the terminal description carry the RGB (direct colour) capability?
static inline int cb_has_rgb(void) {
    int v = tigetflag("RGB");
    return v > 0;
}

/// Does the terminal description announce mouse reports as the SGR form
/// (kmous = "\E[<")? Then ncurses's KEY_MOUSE is followed by "b;x;yM", not three bytes.
static inline int cb_mouse_key_is_sgr(void) {
    const char *k = tigetstr("kmous");
    if (k == 0 || k == (const char *)-1) return 0;
    return k[0] == 27 && k[1] == '[' && k[2] == '<' && k[3] == 0;
}

/// Draws one cell. The pair goes through setcchar's opts pointer, which is
/// how pair numbers above 255 (extended pairs) are passed; COLOR_PAIR() holds 8 bits.
static inline int cb_put_cell(WINDOW *w, int y, int x, const wchar_t *wch, unsigned int attrs, int pair) {
    cchar_t c;
    int p = pair;
    if (setcchar(&c, wch, (attr_t)attrs, 0, &p) != OK) return ERR;
    return mvwadd_wch(w, y, x, &c);
}

/// Reads one key (wide). Returns OK for a character, KEY_CODE_YES for a key code, ERR on timeout.
static inline int cb_get_key(WINDOW *w, int *out) {
    wint_t ch = 0;
    int r = wget_wch(w, &ch);
    *out = (int)ch;
    return r;
}

/// Writes raw bytes to the terminal, flushed, for sequences ncurses has no
/// capability for (synchronized output, CSI ?2026h/l).
static inline void cb_write_raw(const char *s) {
    fflush(stdout);
    size_t n = 0; while (s[n]) n++;
    // A whole frame can exceed what one write takes (a signal, a slow pty): write on until
    // it is out, or the terminal is gone (hung up: nothing more to do).
    while (n > 0) {
        ssize_t r = write(STDOUT_FILENO, s, n);
        if (r < 0) { if (errno == EINTR || errno == EAGAIN) continue; return; }
        s += r; n -= (size_t)r;
    }
}
#endif
