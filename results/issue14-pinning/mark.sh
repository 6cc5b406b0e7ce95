Z=/sys/kernel/mm/zsmalloc
for m in llist pcpu hbuf hbuf-cb sync; do echo $m > $Z/free_mode; done
echo sync > $Z/free_mode
mkfifo /tmp/ctl /tmp/ack
for r in $(seq 1 24); do
  ( exec 3</tmp/ctl 4>/tmp/ack; while read -r cmd <&3; do echo "MARK $r $cmd"; echo ack >&4; done ) &
  line=$(munmap -b zram -p 1 -s 256 -r 3600 -R -C /tmp/ctl,/tmp/ack)
  wait
  echo "$line round=$r"
done
