# SPDX-License-Identifier: MIT
# ctl.gp - speed (left axis) and interrupt rate (right axis) against block size, one pair of lines per controller.
# Loaded by fig8.gp, fig9.gp and fig10.gp after common.gp, with these set:
#   ttl   the title;  ycol, ylab   the speed column and its axis label;  ctls   controllers, space-separated;
#   xlab  optional, the x axis label
ctl_name(c) = c eq "none" ? "no control" : c eq "paper" ? "paper (speed monitor)" : \
	      c eq "adaptive" ? "adaptive (ours)" : c
ctl_col(c) = c eq "none" ? col_none : c eq "paper" ? col_paper : c eq "adaptive" ? col_adaptive : col_raw
ctl_pt(c) = c eq "none" ? 7 : c eq "paper" ? 9 : 5

if (!exists("xlab")) xlab = "block size (bytes)"
set title ttl
set xlabel xlab
set ylabel ylab
set y2label "interrupt rate (interrupts/s = Hz), dashed"
set yrange [0:*]
set logscale y2 10
set y2tics
set format y2 "%.0s%c"
set key below horizontal maxcols words(ctls) width 2
set bmargin 3 + 2 + words(ctls)

plot for [c in ctls] rows(c) using c_block:ycol axes x1y1 with linespoints lw 2.5 pt ctl_pt(c) ps 1.3 \
	lc rgb ctl_col(c) title "speed, " . ctl_name(c), \
     for [c in ctls] rows(c) using c_block:c_irq axes x1y2 with linespoints lw 1.5 dt 2 pt ctl_pt(c) - 1 \
	ps 1.1 lc rgb ctl_col(c) title "interrupt rate, " . ctl_name(c)
