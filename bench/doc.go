// Package bench holds benchmarks that compare lambdasec with peer
// libraries. It has no API; see README.md.
package bench
