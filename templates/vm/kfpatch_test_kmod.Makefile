obj-m := kfpatch_test_kmod.o
