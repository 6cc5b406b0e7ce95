# Does a busy second vCPU slow sync's munmap on the first, by the kind of
# work it does? munmap on CPU 0, a hog on CPU 1: none, a shell loop,
# stress-ng --cpu (compute), stress-ng --vm (memory writes, 64 MB).
Z=/sys/kernel/mm/zsmalloc
echo sync > $Z/free_mode
for r in 1 2 3; do
  for h in none loop cpu vm; do
    HP=
    case $h in
      loop) taskset -c 1 sh -c 'while :; do :; done' & HP=$! ;;
      cpu) taskset -c 1 stress-ng -q --cpu 1 --timeout 60 & HP=$! ;;
      vm) taskset -c 1 stress-ng -q --vm 1 --vm-bytes 64M --timeout 60 & HP=$! ;;
    esac
    sleep 1
    echo "hog=$h round=$r $(taskset -c 0 munmap -p 1 -s 256 -r 3600 -b zram | grep -o 'munmap_ms=[0-9.]*')"
    if [ -n "$HP" ]; then kill $HP; pkill stress-ng; wait $HP 2>/dev/null; fi
    sleep 1
  done
done
