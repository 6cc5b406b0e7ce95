sh /usr/share/zsdefer/modes.sh -a 20 'sync hbuf' zram 'zs_free' <<'PLAN'
munmap -b zram -p 1 -s 256 -r 3600 -R
PLAN
