# SPDX-License-Identifier: MIT
# fig3.gp - the paper's Figure 3: 1 to N tasks on one VF, speed per task and in total (left axis), tenant CPU (right axis).
dir = ARG0; n = strlen(dir); while (n > 0 && dir[n:n] ne "/") { n = n - 1 }; dir = n > 0 ? dir[1:n] : "./"
load dir . "common.gp"

# Tasks on a linear axis, not block sizes.
unset logscale x
set format x "%.0f"
stats in using c_tasks nooutput
set xrange [STATS_min - 0.4 : STATS_max + 0.4]
set samples 200
set xtics 1
# The single-task speed: the reference for "total = single task" and "per task = single task / N".
stats "< awk -F, 'NR > 1 && $4 == 1'" . " '" . in . "'" using c_mbps nooutput
single = STATS_records > 0 ? STATS_max : NaN
stats in using c_block nooutput
blk = STATS_max

set title sprintf("Figure 3 - Tasks sharing one VF: speed per task and in total, no interrupt control\n{/*0.85 vfcrypt embedded device, AES-128-CBC, %.0f-byte blocks, 32 requests in flight per task; the VF's one thread drives every task}", blk)
set xlabel "tasks on the VF"
set ylabel "encryption speed (MB/s)"
set y2label "tenant CPU (% of one core)"
set yrange [0:*]
set y2range [0:*]
set y2tics
set key below horizontal maxcols 3 width 2
set bmargin 7

plot in using c_tasks:c_mbps with linespoints lw 2.5 pt 7 ps 1.4 lc rgb col_adaptive title "total speed", \
     in using c_tasks:((column(c_tmin) + column(c_tmax)) / 2):c_tmin:c_tmax with yerrorlines lw 2.5 pt 5 ps 1.2 \
	lc rgb col_paper title "speed per task (min to max)", \
     in using c_tasks:c_cpu axes x1y2 with linespoints lw 1.5 dt 4 pt 6 lc rgb col_raw title "tenant CPU (%, right)", \
     single with lines lw 1 dt 2 lc rgb col_adaptive title "single-task speed", \
     (x >= 1 ? single / x : NaN) with lines lw 1 dt 2 lc rgb col_paper title "single-task speed / tasks"
