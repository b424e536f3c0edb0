/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_SCHEMA_H
#define NSTOPO_SCHEMA_H

#include <stdint.h>

#include "pread.h"
#include "util.h"

/*
 * The file format as a JSON Schema (draft-07, what yaml-language-server
 * and most editors read), written from the shapes the parser reads keys
 * with (struct pshape): the schema cannot say other than the parser.
 */

/**
 * schema_write() - @top and every shape under it as a JSON Schema
 * @top:	the top-level mapping (topo_shape)
 * @sb:		the schema is appended here, indented, ending in a newline
 */
void schema_write(const struct pshape *top, struct strbuf *sb);

/**
 * schema_int_pattern() - an anchored regular expression of the decimal
 * numbers from @lo to @hi, without leading zeros ("^(6[89]|...)$")
 * @sb:		the expression is appended here
 *
 * The same in ECMA-262 and POSIX extended syntax.
 */
void schema_int_pattern(struct strbuf *sb, uint32_t lo, uint32_t hi);

#endif
