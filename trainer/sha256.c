#include "sha256.h"

#include <stdio.h>
#include <unistd.h>

#include "../io/files.h"

#include <nettle/sha2.h>

int trn_sha256_file(const char *path, uint8_t digest[32])
{
	char why[512];
	int fd = rfx_in_open(path, 0, 0, why, sizeof why);
	FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct sha256_ctx ctx;
	sha256_init(&ctx);
	uint8_t buf[1 << 16];
	size_t got;
	while ((got = fread(buf, 1, sizeof buf, f)) > 0)
		sha256_update(&ctx, got, buf);
	int bad = ferror(f);
	fclose(f);
	if (bad)
		return -1;
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
	return 0;
}

void trn_sha256_hex(const uint8_t digest[32], char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 15];
	}
	hex[64] = '\0';
}
