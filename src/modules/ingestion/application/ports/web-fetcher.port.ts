export interface FetchedResource {
  buffer: Buffer;
  contentType: string;
  finalUrl: string;
}

export interface WebFetcher {
  fetch(url: string): Promise<FetchedResource>;
}
