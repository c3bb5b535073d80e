package secrets

// Entries reports the number of entries c holds and whether its bookkeeping
// agrees with its contents.
func Entries(c *Cache) (n int, consistent bool) {
	t := c.entries.Load()
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
