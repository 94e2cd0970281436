/* mesos-dnsd: wires config, discovery, zone, dnsd and http together. */
#include <stdio.h>

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("mesos-dnsd %s\n", MDNS_VERSION);
    return 0;
}
