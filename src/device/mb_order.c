/* SPDX-License-Identifier: MIT */
/* mb_order.c - the mb engine's in-burst order filter: buffer hulls and conflicts between requests of one burst. */
#include "core/desc.h"
#include "device/mb.h"
#include "device/pf_internal.h"

bool vfc__mb_conflicts(const struct vfc_req_desc *a, const struct vfc_req_desc *b, bool same_session)
{
	if (same_session && (b->flags & VFC_REQ_F_CHAIN) && b->opcode == VFC_OP_CIPHER_ENC)
		return true;
	/* a (a lane job) reads src and writes dst. */
	return vfc_desc_overlap(a->dst_off, a->dst_len, b->src_off, b->src_len) ||
	       vfc_desc_overlap(a->dst_off, a->dst_len, b->aux_off, b->aux_len) ||
	       vfc_desc_overlap(a->dst_off, a->dst_len, b->dst_off, b->dst_len) ||
	       vfc_desc_overlap(a->src_off, a->src_len, b->dst_off, b->dst_len);
}

/* Widen [lo, hi) (empty while lo == hi) by a buffer; an empty buffer overlaps nothing. */
static void hull_add(uint64_t *lo, uint64_t *hi, uint32_t off, uint32_t len)
{
	uint64_t end = (uint64_t)off + len;

	if (!len)
		return;
	if (*lo == *hi) {
		*lo = off;
		*hi = end;
		return;
	}
	if (off < *lo)
		*lo = off;
	if (end > *hi)
		*hi = end;
}

void vfc__mb_hull(const struct vfc_req_desc *d, uint64_t *lo, uint64_t *hi)
{
	*lo = *hi = 0;
	hull_add(lo, hi, d->src_off, d->src_len);
	hull_add(lo, hi, d->dst_off, d->dst_len);
	hull_add(lo, hi, d->aux_off, d->aux_len);
}

/* Sorted by lo (insertion: a ring's requests usually come in address order),
 * then each must end before the next starts. */
bool vfc__mb_hulls_apart(const struct vfc__item *items, const uint64_t *lo, const uint64_t *hi, unsigned n)
{
	struct span {
		uint64_t lo, hi;
	} v[VFC__BURST_MAX];
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned j;

		if (lo[i] == hi[i] || items[i].status)
			continue; /* no buffer, or failed at the take: complete at dispatch */
		j = k++;
		while (j && v[j - 1].lo > lo[i]) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = (struct span){ lo[i], hi[i] };
	}
	for (unsigned j = 1; j < k; j++)
		if (v[j].lo < v[j - 1].hi)
			return false;
	return true;
}
