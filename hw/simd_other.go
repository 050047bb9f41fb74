//go:build !amd64

package hw

const haveSIMD = false

const simdKernel = ""

func validateSIMD(bits []uint64, recs []byte, n int) int { panic("hw: no SIMD kernel") }

func readSIMD(p []byte) uint64 { panic("hw: no SIMD kernel") }
