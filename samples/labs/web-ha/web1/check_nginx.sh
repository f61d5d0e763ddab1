#!/bin/bash
ss -anltpu | grep -q nginx && exit 0 || exit 1
