/* SPDX-License-Identifier: MIT */
/* settings.c - the provider's settings: its OpenSSL config section (core_get_params), then VFCRYPT_* environment. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "provider/prov.h"

/* One setting: its config key, its environment variable. */
enum setting_id { SET_DEVICE, SET_CTL, SET_THRESHOLD, SET_ENGINES, SET_VFS, SET_STATS, SET_KIND, SET__N };

static const char *const KEYS[SET__N] = { "device", "ctl",   "small_threshold", "engines",
					  "vfs",    "stats", "engine_kind" };
static const char *const ENVS[SET__N] = { "VFCRYPT_DEVICE", "VFCRYPT_CTL",   "VFCRYPT_SMALL_THRESHOLD",
					  "VFCRYPT_ENGINES", "VFCRYPT_VFS", "VFCRYPT_STATS",
					  "VFCRYPT_ENGINE_KIND" };
/* engine_kind's words, indexed by enum vfc_engine_kind. */
static const char *const KINDS[] = { [VFC_ENGINE_OPENSSL] = "openssl", [VFC_ENGINE_MB] = "mb",
				     [VFC_ENGINE_AUTO] = "auto" };

static int parse_kind(const char *v, struct vfc__prov_settings *s)
{
	for (size_t k = 0; k < sizeof(KINDS) / sizeof(KINDS[0]); k++)
		if (!strcmp(v, KINDS[k])) {
			s->engine_kind = (enum vfc_engine_kind)k;
			s->engine_kind_set = 1;
			return 0;
		}
	return -1;
}

static int parse_size(const char *v, size_t *out)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || end == v || *end || x > (1ull << 30))
		return -1;
	*out = (size_t)x;
	return 0;
}

static int apply(struct vfc__prov_settings *s, enum setting_id id, const char *v)
{
	size_t n;

	switch (id) {
	case SET_DEVICE:
		if (strlen(v) >= sizeof(s->device))
			return -1;
		strcpy(s->device, v);
		return 0;
	case SET_CTL:
		if (strlen(v) >= sizeof(s->ctl))
			return -1;
		strcpy(s->ctl, v);
		s->ctl_set = 1;
		return 0;
	case SET_THRESHOLD:
		return parse_size(v, &s->small_threshold);
	case SET_ENGINES:
	case SET_VFS:
		if (parse_size(v, &n) < 0 || n > VFC_MAX_VFS)
			return -1;
		*(id == SET_ENGINES ? &s->engines : &s->vfs) = (unsigned)n;
		return 0;
	case SET_STATS:
		s->stats = !strcmp(v, "1") || !strcmp(v, "yes");
		return 0;
	case SET_KIND:
		return parse_kind(v, s);
	default:
		return -1;
	}
}

/* A bad value is an error: a provider that silently ignores its settings is hard to debug. */
int vfc__prov_settings_load(struct vfc__prov_settings *s, const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in)
{
	OSSL_FUNC_core_get_params_fn *get_params = NULL;
	const char *vals[SET__N] = { 0 };
	OSSL_PARAM params[SET__N + 1];
	int i;

	memset(s, 0, sizeof(*s));
	strcpy(s->device, "embedded");
	strcpy(s->ctl, VFC_PROV_CTL_DEFAULT);
	s->small_threshold = VFC_PROV_THRESHOLD_DEFAULT;
	for (; in && in->function_id; in++)
		if (in->function_id == OSSL_FUNC_CORE_GET_PARAMS)
			get_params = OSSL_FUNC_core_get_params(in);
	for (i = 0; i < SET__N; i++)
		params[i] = OSSL_PARAM_construct_utf8_ptr(KEYS[i], (char **)&vals[i], 0);
	params[SET__N] = OSSL_PARAM_construct_end();
	if (get_params && !get_params(handle, params))
		return -1;
	for (i = 0; i < SET__N; i++) {
		const char *env = getenv(ENVS[i]);

		if (env)
			vals[i] = env;
		if (vals[i] && apply(s, (enum setting_id)i, vals[i]) < 0)
			return -1;
	}
	return 0;
}
