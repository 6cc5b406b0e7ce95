import re, collections
marks={}
for l in open('out5.txt'):
    m=re.match(r'([\d.]+) MARK (\d+) (\w+)', l)
    if m: marks.setdefault(int(m.group(2)),{})[m.group(3)]=float(m.group(1))
ms={}
for l in open('out5.txt'):
    m=re.search(r'munmap_ms=([\d.]+).*round=(\d+)', l)
    if m: ms[int(m.group(2))]=float(m.group(1))
samples=[]
for l in open('perf.txt'):
    m=re.match(r'\s*(.+?)\s+(\d+)\s+([\d.]+):\s+([0-9a-f]+)\s+(.*?)\s+\((.*)\)\s*$', l)
    if not m: continue
    comm,tid,t,ip,sym,dso=m.groups()
    samples.append((float(t),comm,sym,dso))
def cat(comm,sym,dso):
    if 'TCG' not in comm: return 'other:'+comm
    if dso.startswith('[kernel'): return 'hostkernel:'+sym
    if 'qemu' in dso: return 'qemu:'+sym
    if dso=='[unknown]' or 'anon' in dso or 'memfd' in dso: return 'JIT'
    return 'lib:'+sym
groups={'slow':collections.Counter(),'fast':collections.Counter()}
n={'slow':0,'fast':0}
for r,w in sorted(marks.items()):
    g='slow' if ms[r]>270 else ('fast' if ms[r]<215 else None)
    if not g: continue
    n[g]+=1
    for t,comm,sym,dso in samples:
        if w['enable']<=t<=w['disable']:
            groups[g][cat(comm,sym,dso)]+=1
for g in groups:
    tot=sum(groups[g].values())
    print(g, n[g], 'rounds', tot, 'samples', f"{tot/n[g]:.1f}/round")
    for k,v in groups[g].most_common(25):
        print(f"   {v/n[g]:7.1f}/round  {k}")
