/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_LOAD_H
#define NSTOPO_LOAD_H

#include "topo.h"

/**
 * topo_load() - read, parse and validate a topology file
 * @path:	the file, or "-" for standard input
 * @d:		every error found goes here
 *
 * Return: the topology, or NULL if the file has errors.
 */
struct topo *topo_load(const char *path, struct diags *d);

/**
 * topo_load_as() - topo_load() of instance @inst of the file's lab
 * @inst:	the prefix (instance.h), valid; NULL or "": the lab itself
 *
 * Return: the topology, or NULL if the file has errors.
 */
struct topo *topo_load_as(const char *path, const char *inst, struct diags *d);

/**
 * topo_load_buf() - topo_load() from memory
 * @name:	the name messages give the file
 * @buf, @len:	its text
 * @d:		every error found goes here
 *
 * Return: the topology, or NULL if the text has errors.
 */
struct topo *topo_load_buf(const char *name, const char *buf, size_t len,
			   struct diags *d);

/**
 * topo_load_buf_as() - topo_load_buf() of instance @inst (topo_load_as())
 * Return: the topology, or NULL if the text has errors.
 */
struct topo *topo_load_buf_as(const char *name, const char *inst,
			      const char *buf, size_t len, struct diags *d);

#endif
