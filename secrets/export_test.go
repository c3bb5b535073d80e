package secrets

// Entries reports the number of entries c holds and whether its bookkeeping
// agrees with its contents.
func Entries(c *Cache) (n int, consistent bool) {
	t := c.entries.Load()
	if len(t.byID) <= fewIDs && len(t.few) != len(t.byID) {
		return t.n, false
	}
	for _, f := range t.few {
		if t.byID[f.id] != f.g || f.g.current != f.current {
			return t.n, false
		}
	}
	for id, g := range t.byID {
		if g.size() == 0 {
			return t.n, false
		}
		for _, e := range g.all() {
			if e.key.id != id || t.lookup(e.key) != e {
				return t.n, false
			}
			n++
		}
	}
	return t.n, n == t.n
}
