// Package experiment runs timing experiments that compare ways of deciding
// whether a command line is safe: a seeded schedule of blocks, a fresh
// permutation of the items inside each block and a counterbalanced order of
// the arms for every item, each decision timed on the monotonic clock.
package experiment

import (
	"fmt"
	"math/rand/v2"
)

// Trial is one item of one block: every arm decides it, in Order.
type Trial struct {
	Block int   // 0-based block
	Pos   int   // position inside the block
	Item  int   // index of the item
	Order []int // arm indices in the order they run
	Row   int   // the row of the Williams design Order comes from
}

// Schedule is the order of an experiment's trials. The same seed, block
// count, item count and arm count give the same schedule on any machine.
type Schedule struct {
	Seed   uint64
	Blocks int
	Items  int
	Arms   int
	Trials []Trial
}

// NewSchedule makes the schedule of blocks blocks over items items and arms
// arms. Block b permutes the items with its own PCG stream (seed, b), so a
// block's order does not depend on the blocks before it (a shard can make
// it alone). Trial t of the whole experiment runs the arms in row t mod R
// of a Williams design, which balances both the position of every arm and
// which arm precedes which (first-order carry-over).
func NewSchedule(seed uint64, blocks, items, arms int) (*Schedule, error) {
	switch {
	case blocks < 1:
		return nil, fmt.Errorf("schedule: %d blocks; need at least 1", blocks)
	case items < 1:
		return nil, fmt.Errorf("schedule: %d items; need at least 1", items)
	case arms < 1:
		return nil, fmt.Errorf("schedule: %d arms; need at least 1", arms)
	}
	rows := Williams(arms)
	s := &Schedule{Seed: seed, Blocks: blocks, Items: items, Arms: arms}
	s.Trials = make([]Trial, 0, blocks*items)
	for b := range blocks {
		r := rand.New(rand.NewPCG(seed, uint64(b)))
		for pos, item := range r.Perm(items) {
			row := len(s.Trials) % len(rows)
			s.Trials = append(s.Trials, Trial{Block: b, Pos: pos, Item: item, Order: rows[row], Row: row})
		}
	}
	return s, nil
}

// Williams returns the rows of a Williams design for k treatments: every
// treatment appears once in every position across the rows, and every
// ordered pair of distinct treatments appears adjacent equally often. For
// even k that takes k rows; for odd k, 2k (the k rows and their mirrors).
func Williams(k int) [][]int {
	if k == 1 {
		return [][]int{{0}}
	}
	// First row: 0, 1, k-1, 2, k-2, ...
	first := make([]int, k)
	lo, hi := 1, k-1
	for i := 1; i < k; i++ {
		if i%2 == 1 {
			first[i] = lo
			lo++
		} else {
			first[i] = hi
			hi--
		}
	}
	var rows [][]int
	for shift := range k {
		row := make([]int, k)
		for i, v := range first {
			row[i] = (v + shift) % k
		}
		rows = append(rows, row)
	}
	if k%2 == 1 {
		for shift := range k {
			row := make([]int, k)
			for i := range k {
				row[i] = rows[shift][k-1-i]
			}
			rows = append(rows, row)
		}
	}
	return rows
}
