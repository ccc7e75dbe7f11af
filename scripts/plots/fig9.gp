# SPDX-License-Identifier: MIT
# fig9.gp - the paper's Figure 9: SHA-256 speed and interrupt rate against block size, with and without the speed monitor.
dir = ARG0; n = strlen(dir); while (n > 0 && dir[n:n] ne "/") { n = n - 1 }; dir = n > 0 ? dir[1:n] : "./"
load dir . "common.gp"

ttl = "Figure 9 - SHA-256 with and without the speed monitor\n{/*0.85 vfcrypt embedded device, 1 task, 32 requests in flight; solid: speed (left axis), dashed: interrupt rate (right axis, log)}"
ycol = c_mbps
ylab = "hashing speed (MB/s), solid"
if (!exists("ctls")) ctls = "none paper adaptive"
load dir . "ctl.gp"
