# Prints the guest script of this directory's runs: the defer suite's
# "memory pressure" section (tests/guest/defer-suite.sh), taken from the
# suite itself, run once per mode in MODES on a fresh 1 GB zram swap.
# usage: scripts/zsdefer run ... -- sh -c "$(sh results/issue16-pressure/pressure.sh)"
cat <<'HEAD'
. /usr/share/zsdefer/lib.sh
Z=/sys/kernel/mm/zsmalloc; H=/sys/module/zsmalloc/parameters/test_hold; MB=${MB:-1024}
zram_remake() { zsd_zram_make 1G >/dev/null && swapon /dev/zram0; }
swapoff /dev/zram0; echo 1 >/sys/block/zram0/reset; zram_remake
for m in ${MODES:-sync llist pcpu hbuf hbuf-cb}; do echo $m > $Z/free_mode
HEAD
sed -n '/# Global memory pressure takes/,/^\tfi$/p' tests/guest/defer-suite.sh
cat <<'TAIL'
done
echo "1..$zsd_n"
TAIL
