/**
 * Minimal types for the CommonJS package `cap` 0.2.1 (it ships none). Under NodeNext ESM only
 * the default import works (`import capModule from "cap"`): its `module.exports = addon`
 * hides the named exports from Node's CommonJS export detection.
 */
declare module "cap" {
  import type { EventEmitter } from "node:events";

  namespace cap {
    interface DeviceAddress {
      addr?: string;
      netmask?: string;
      broadaddr?: string;
      dstaddr?: string;
    }

    interface Device {
      name: string;
      description?: string;
      /** IPv4 / IPv6 addresses only. */
      addresses: DeviceAddress[];
      flags?: "PCAP_IF_LOOPBACK";
    }

    class Cap extends EventEmitter {
      /**
       * Opens `device` (promiscuous, immediate mode, kernel snap length 65535) with a kernel
       * ring of `bufferSize` bytes; every packet is copied into `buffer`, cut to its length.
       * Returns the link type: "ETHERNET", "LINKTYPE_LINUX_SLL", "RAW", "NULL",
       * "IEEE802_11_RADIO" or "Unknown linktype N" (N a DLT_ value). Throws libpcap's message.
       */
      open(device: string, filter: string, bufferSize: number, buffer: Buffer): string;
      /** Emitted synchronously per packet; the bytes are buffer[0, nbytes). No timestamp. */
      on(event: "packet", listener: (nbytes: number, truncated: boolean) => void): this;
      close(): boolean;
      send(buffer: Buffer, length?: number): void;
      static deviceList(): Device[];
      static findDevice(ip?: string): string | undefined;
    }

    function deviceList(): Device[];
    function findDevice(ip?: string): string | undefined;
  }

  export = cap;
}
