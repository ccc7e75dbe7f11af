/* SPDX-License-Identifier: MIT */
/* fuzz_daemon_msg.c - libFuzzer target: vfcd's message parsing and dispatch (HELLO, MBOX, admin) on a live PF. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin/policy.h"
#include "daemon/daemon.h"
#include "daemon/handlers.h"
#include "daemon/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vfcd *g_d;
static struct vfcd_reply g_r;
static uint8_t g_msg[VFCD_MSG_MAX + 64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct vfcd_config cfg;

	(void)argc;
	(void)argv;
	vfcd_log_open(0, -1);
	vfcd_config_init(&cfg);
	cfg.pf.n_vfs = 2;
	cfg.pf.ring_entries = 16;
	cfg.pf.pool_size = 1 << 16;
	snprintf(cfg.socket_path, sizeof(cfg.socket_path), "/tmp/vfcd-fuzz-%d.sock", (int)getpid());
	snprintf(cfg.metrics, sizeof(cfg.metrics), "off");
	cfg.pol[1].pf.max_cap_hz = 20000;
	cfg.pol[1].pf.max_keys = 2;
	g_d = vfcd_create(&cfg);
	if (!g_d)
		abort();
	return 0;
}

/*
 * Input: a mode byte, then messages as [u16 length][bytes]. Mode bit 0: send a
 * valid HELLO first (so CTL reaches the PF). Bit 1: the bytes are a body, and
 * a valid header of type (next byte) is put in front of it (so the bodies get
 * fuzzed, not just the framing). Each input is one connection.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = { VFCD_MSG_HELLO, VFCD_MSG_MBOX,    VFCD_MSG_NOTE_CONTROLLER, VFCD_MSG_INFO,
					  VFCD_MSG_LIST,  VFCD_MSG_SHOW,   VFCD_MSG_POLICY,   VFCD_MSG_RESET };
	struct vfcd_client *c;
	uint8_t mode;
	size_t off = 1;

	if (size < 1)
		return 0;
	mode = data[0];
	c = vfcd__client_new(vfcd__ctx(g_d), -1, getpid(), getuid(), getgid());
	if (!c)
		return 0;
	if (mode & 1) {
		struct {
			struct vfcd_hdr h;
			struct vfcd_hello b;
		} hello = { { VFCD_WIRE_MAGIC, VFCD_WIRE_VERSION, VFCD_MSG_HELLO, sizeof(hello), 1 },
			    { VFC_ABI_VERSION, (mode & 4) ? 1 : VFCD_HELLO_ANY_VF, 0, 0 } };

		vfcd__dispatch(vfcd__ctx(g_d), c, &hello, sizeof(hello), 0, &g_r);
	}
	while (off + 2 <= size) {
		size_t len = (size_t)data[off] | (size_t)data[off + 1] << 8, hl = 0;
		struct vfcd_hdr h;

		off += 2;
		if (len > size - off)
			len = size - off;
		if (mode & 2) {
			if (len == 0)
				break;
			h = (struct vfcd_hdr){ VFCD_WIRE_MAGIC, VFCD_WIRE_VERSION, types[data[off] % 8],
					       (uint32_t)(sizeof(h) + len - 1), 2 };
			memcpy(g_msg, &h, sizeof(h));
			hl = sizeof(h);
			memcpy(g_msg + hl, data + off + 1, len - 1);
			len = hl + len - 1;
			off += len - hl + 1;
		} else {
			memcpy(g_msg, data + off, len);
			off += len;
		}
		vfcd__dispatch(vfcd__ctx(g_d), c, g_msg, len, 0, &g_r);
		if (g_r.close_after)
			break;
	}
	/* Undo what admin messages changed: every input starts from the same policy. */
	for (uint32_t vf = 0; vf < 2; vf++) {
		struct {
			struct vfcd_hdr h;
			struct vfcd_policy_msg m;
		} pm;

		memset(&pm, 0, sizeof(pm));
		pm.h = (struct vfcd_hdr){ VFCD_WIRE_MAGIC, VFCD_WIRE_VERSION, VFCD_MSG_POLICY, sizeof(pm), 3 };
		pm.m.vf_id = vf;
		pm.m.set = VFCD_POL_ALL;
		vfcd_policy_init(&pm.m.pol);
		if (vf == 1) {
			pm.m.pol.pf.max_cap_hz = 20000;
			pm.m.pol.pf.max_keys = 2;
		}
		vfcd__dispatch(vfcd__ctx(g_d), c, &pm, sizeof(pm), 0, &g_r);
	}
	vfcd__client_drop(vfcd__ctx(g_d), c);
	return 0;
}
