import { inject, Injectable } from '@angular/core';
import {
  serversControllerDetail,
  serversControllerList,
  type ServerDetailDto,
  type ServerSummaryDto,
} from '@tft/api-client';
import { API_CLIENT } from '../core/api';

/** GET /servers and /servers/{server_name}. */
@Injectable({ providedIn: 'root' })
export class ServersService {
  private readonly client = inject(API_CLIENT);

  async list(signal?: AbortSignal): Promise<ServerSummaryDto[]> {
    const { data } = await serversControllerList({
      client: this.client,
      signal,
      throwOnError: true,
    });
    return data;
  }

  async detail(name: string, signal?: AbortSignal): Promise<ServerDetailDto> {
    const { data } = await serversControllerDetail({
      client: this.client,
      path: { server_name: name },
      signal,
      throwOnError: true,
    });
    return data;
  }
}
