// SPDX-License-Identifier: Apache-2.0

// hclparse FILE [RUNS]: the Go reference parser alone (hashicorp/hcl/v2
// hclsyntax.ParseConfig, the parser inside hcl2json), timed like
// bench-hcl.c times ours: file read once, median of RUNS parses from memory.
// Prints "BENCH hcl_go_parse_mb_per_s <value> MB/s".
package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"time"

	hcl "github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: hclparse FILE [RUNS]")
		os.Exit(1)
	}
	runs := 3
	if len(os.Args) > 2 {
		n, err := strconv.Atoi(os.Args[2])
		if err != nil || n < 1 {
			fmt.Fprintln(os.Stderr, "hclparse: RUNS must be a positive number")
			os.Exit(1)
		}
		runs = n
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "hclparse:", err)
		os.Exit(1)
	}
	times := make([]float64, 0, runs)
	for i := 0; i < runs; i++ {
		start := time.Now()
		_, diags := hclsyntax.ParseConfig(data, os.Args[1], hcl.Pos{Line: 1, Column: 1})
		elapsed := time.Since(start).Seconds()
		if diags.HasErrors() {
			fmt.Fprintln(os.Stderr, "hclparse:", diags.Error())
			os.Exit(1)
		}
		times = append(times, elapsed)
	}
	sort.Float64s(times)
	fmt.Printf("BENCH hcl_go_parse_mb_per_s %.1f MB/s\n", float64(len(data))/1e6/times[runs/2])
}
