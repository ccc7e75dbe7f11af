/* SPDX-License-Identifier: MIT */
/* kind.c - the engine kinds: names, whether mb can run here, resolution of auto. */
#include <errno.h>
#include <string.h>

#include "device/mb.h"
#include "device/pf_internal.h"

static const char *const names[] = {
	[VFC_PF_ENGINE_OPENSSL] = "openssl",
	[VFC_PF_ENGINE_MB] = "mb",
	[VFC_PF_ENGINE_AUTO] = "auto",
};

const char *vfc_pf_engine_kind_name(enum vfc_pf_engine_kind k)
{
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : NULL;
}

int vfc_pf_engine_kind_parse(const char *s, enum vfc_pf_engine_kind *out)
{
	for (unsigned k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (!strcmp(s, names[k])) {
			*out = (enum vfc_pf_engine_kind)k;
			return 0;
		}
	}
	return -EINVAL;
}

bool vfc_pf_mb_available(void)
{
	return vfc__mb_cpu_ok();
}

enum vfc_pf_engine_kind vfc__engine_kind_resolve(enum vfc_pf_engine_kind k)
{
	/* An explicit mb where it cannot run computes on the reference path:
	 * the device works everywhere, vfc_pf_engine_kind() tells which ran. */
	if (k == VFC_PF_ENGINE_OPENSSL)
		return k;
	return vfc__mb_cpu_ok() ? VFC_PF_ENGINE_MB : VFC_PF_ENGINE_OPENSSL;
}

enum vfc_pf_engine_kind vfc_pf_engine_kind(const struct vfc_pf *pf)
{
	return pf->cfg.engine_kind;
}
