#!/bin/sh
# MISC_CHECK of the IPVS test VM: real server N is up while /tmp/upN exists.
test -e "/tmp/up$1"
