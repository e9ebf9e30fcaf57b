// SPDX-License-Identifier: Apache-2.0

// Package integration holds the worker's integration test against a real
// Temporal dev server. It is built only with the "integration" tag:
//
//	go test -tags integration -v ./integration/
//
// ctest runs it as worker-integration (label integration).
package integration
