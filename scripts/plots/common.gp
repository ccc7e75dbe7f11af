# SPDX-License-Identifier: MIT
# common.gp - shared set-up of the demo's plots: PNG terminal, CSV input, row selection by controller.
# Loaded by the figN.gp scripts, which are called as
#   gnuplot -e "in='results/figN.csv'; out='results/figN.png'" scripts/plots/figN.gp
# The CSV is vfc bench's (--csv): algo,block_bytes,depth,tasks,vfs,ctl,seconds,mbps,ops_per_s,irq_hz,
# cap_hz,tenant_cpu_pct,lat_p50_us,lat_p99_us,ratio_raw,spread_pct,task_mbps_min,task_mbps_max,ratio_oracle,ratio_oracle_cv,
# ratio_ci_lo,ratio_ci_hi

if (!exists("in") || !exists("out")) {
	print "usage: gnuplot -e \"in='FILE.csv'; out='FILE.png'\" ", ARG0
	exit status 2
}

# pngcairo (anti-aliased) where gnuplot has it, else libgd's png.
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
	set terminal pngcairo enhanced size 1100,680 font "DejaVu Sans,11" linewidth 1.3
} else {
	set terminal png enhanced size 1100,680 font "DejaVuSans,10"
}
set output out

set datafile separator ","
set grid xtics ytics lc rgb "#d8d8d8"
set border lw 1
set key box opaque samplen 3 spacing 1.2
set tics nomirror

# Column numbers of the CSV.
c_block = 2; c_tasks = 4; c_ctl = 6; c_mbps = 8; c_ops = 9; c_irq = 10; c_cap = 11; c_cpu = 12
c_tmin = 17; c_tmax = 18

# The rows of one controller column ("none", "paper", "adaptive", "raw" for raw OpenSSL), header skipped.
rows(ctl) = sprintf("< awk -F, 'NR > 1 && $6 == \"%s\"' '%s'", ctl, in)

# The block size axis: log 2, a tic at each measured power of two, labelled in bytes (Fig 3 unsets it).
stats in using c_block nooutput
set logscale x 2
set format x "%.0f"
set xrange [STATS_min / 1.25 : STATS_max * 1.25]
set xtics STATS_min, 2, STATS_max

# Colours by controller, the same in every figure.
col_none = "#202020"; col_paper = "#d62728"; col_adaptive = "#1f77b4"; col_raw = "#7f7f7f"
