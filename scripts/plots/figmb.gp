# SPDX-License-Identifier: MIT
# figmb.gp - the engine kinds: AES-128-CBC speed (left axis) and interrupt rate (right axis) against request size, openssl and mb engines and raw OpenSSL.
dir = ARG0; n = strlen(dir); while (n > 0 && dir[n:n] ne "/") { n = n - 1 }; dir = n > 0 ? dir[1:n] : "./"
load dir . "common.gp"

set title "Engine kinds - AES-128-CBC encryption speed and interrupt rate against request size\n{/*0.85 vfcrypt embedded device, 1 VF, 32 requests in flight, adaptive controller; speed on the left axis, interrupt rate on the right (log)}"
set xlabel "request size (bytes)"
set ylabel "encryption speed (MB/s)"
set y2label "interrupt rate (interrupts/s = Hz)"
set yrange [0:*]
set logscale y2 10
set y2tics
set format y2 "%.0s%c"
set key below horizontal maxcols 2 width 2
set bmargin 8

col_mb = "#2ca02c"

plot rows("adaptive/mb") using c_block:c_mbps axes x1y1 with linespoints lw 2.5 pt 7 ps 1.3 lc rgb col_mb \
	title "mb engine: intel-ipsec-mb lanes (MB/s, left)", \
     rows("adaptive/openssl") using c_block:c_mbps axes x1y1 with linespoints lw 2.5 pt 7 ps 1.3 lc rgb col_adaptive \
	title "openssl engine: one request at a time (MB/s, left)", \
     rows("raw") using c_block:c_mbps axes x1y1 with linespoints lw 1.5 dt 2 pt 6 lc rgb col_raw \
	title "raw OpenSSL in one thread, no device (MB/s, left)", \
     rows("adaptive/mb") using c_block:c_irq axes x1y2 with linespoints lw 1.5 dt 3 pt 5 ps 1 lc rgb col_mb \
	title "mb engine: interrupt rate (Hz, right)", \
     rows("adaptive/openssl") using c_block:c_irq axes x1y2 with linespoints lw 1.5 dt 3 pt 5 ps 1 lc rgb col_adaptive \
	title "openssl engine: interrupt rate (Hz, right)"
