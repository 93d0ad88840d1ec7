/* rnnfx-train — SHA-256 of data files, recorded in the model's metadata so a model can be traced to
 * the exact captures it was trained on. The hashing itself is nettle's (Debian nettle-dev). */
#ifndef TRN_SHA256_H
#define TRN_SHA256_H

#include <stdint.h>

/* Hashes the bytes of `path`; returns 0, or -1 when the file cannot be read. */
int trn_sha256_file(const char *path, uint8_t digest[32]);
/* 64 lowercase hex digits and a NUL. */
void trn_sha256_hex(const uint8_t digest[32], char hex[65]);

#endif
