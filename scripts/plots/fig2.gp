# SPDX-License-Identifier: MIT
# fig2.gp - the paper's Figure 2: AES-128-CBC speed (left axis) and interrupt rate (right axis) against block size, no control.
dir = ARG0; n = strlen(dir); while (n > 0 && dir[n:n] ne "/") { n = n - 1 }; dir = n > 0 ? dir[1:n] : "./"
load dir . "common.gp"

set title "Figure 2 - AES-128-CBC speed and interrupt rate against block size, no interrupt control\n{/*0.85 vfcrypt embedded device, 1 task, 32 requests in flight; speed on the left axis, interrupt rate on the right (log)}"
set xlabel "block size (bytes)"
set ylabel "encryption speed (MB/s)"
set y2label "interrupt rate (interrupts/s = Hz)"
set yrange [0:*]
set logscale y2 10
set y2tics
set format y2 "%.0s%c"
set key below horizontal maxcols 2 width 2
set bmargin 7

plot rows("none") using c_block:c_mbps axes x1y1 with linespoints lw 2.5 pt 7 ps 1.3 lc rgb col_adaptive \
	title "speed (MB/s, left)", \
     rows("raw") using c_block:c_mbps axes x1y1 with linespoints lw 1.5 dt 2 pt 6 lc rgb col_raw \
	title "raw OpenSSL in one thread, no device (MB/s, left)", \
     rows("none") using c_block:c_irq axes x1y2 with linespoints lw 2.5 pt 5 ps 1.2 lc rgb col_paper \
	title "interrupt rate (Hz, right)"
