#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# mkcerts.sh DIR [NAME=SAN...]: a throw-away PKI for TLS tests, valid two days.
#
#   DIR/ca.pem, ca.key            the test CA
#   DIR/server.pem, server.key    server certificate for 127.0.0.1 / localhost
#   DIR/client.pem, client.key    client certificate, URI SAN
#                                 spiffe://faultline.test/coordinator
#   DIR/other-ca.pem              a CA that signed none of these
#   DIR/NAME.pem, NAME.key        one more client certificate per NAME=SAN
#                                 argument, SAN in openssl's syntax
#                                 ("URI:spiffe://example.com/admin",
#                                 "DNS:node-17", "URI:a,URI:b"); a NAME
#                                 starting with "rogue-" is signed by
#                                 other-ca instead
#
# P-256 keys (fast to make). Needs the openssl command line tool.
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"

newca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$1.key" -out "$1.pem" -subj "/CN=faultline-test-$1" -days 2 2>/dev/null
}

issue() { # name subject san extended-key-usage [ca]
    ca=${5:-ca}
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
    printf 'subjectAltName=%s\nextendedKeyUsage=%s\n' "$3" "$4" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial \
        -out "$1.pem" -days 2 -extfile "$1.ext" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}

newca ca
newca other-ca
issue server /CN=127.0.0.1 IP:127.0.0.1,DNS:localhost serverAuth
issue client /CN=faultline-coordinator URI:spiffe://faultline.test/coordinator clientAuth
shift
for spec in "$@"; do
    name=${spec%%=*}
    san=${spec#*=}
    case $name in
    rogue-*) issue "$name" "/CN=$name" "$san" clientAuth other-ca ;;
    *) issue "$name" "/CN=$name" "$san" clientAuth ;;
    esac
done
