# SPDX-License-Identifier: MIT
# fig10.gp - the paper's Figure 10: RSA-2048 signatures per second and interrupt rate against message size, with and without the speed monitor.
dir = ARG0; n = strlen(dir); while (n > 0 && dir[n:n] ne "/") { n = n - 1 }; dir = n > 0 ? dir[1:n] : "./"
load dir . "common.gp"

ttl = "Figure 10 - RSA-2048 signing (SHA-256, PKCS#1 v1.5) with and without the speed monitor\n{/*0.85 vfcrypt embedded device, 1 task, 32 requests in flight; solid: signatures/s (left axis), dashed: interrupt rate (right axis, log)}"
ycol = c_ops
ylab = "speed (signatures/s), solid"
if (!exists("ctls")) ctls = "none paper adaptive"
xlab = "message size (bytes)"
load dir . "ctl.gp"
